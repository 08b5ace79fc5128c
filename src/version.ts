/** Version and home of the tool, for SARIF and the CLI's --version. */
export const VERSION = '0.1.0';
export const HOMEPAGE = 'https://github.com/gateway-guard/gateway-guard';
