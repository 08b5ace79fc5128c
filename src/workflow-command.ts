/**
 * The one workflow command the entry point writes itself: failing the step before @actions/core (and its
 * HTTP client) is loaded, so refusing bad inputs stays as cheap as starting Node.
 */
export function failStep(message: string): void {
  const data = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  process.stdout.write(`::error::${data}\n`);
  process.exitCode = 1;
}
