/** How a policy member relates to the gateway's service account. */
export type MemberMatch =
  /** The service account itself. */
  | 'self'
  /** Anyone on the internet (`allUsers`, `allAuthenticatedUsers`). */
  | 'public'
  /** A set of principals whose membership cannot be read here (`group:`, `principalSet:`, `principal:`). */
  | 'unverified'
  /** Someone else, or nobody (`domain:` never covers a service account; `deleted:` grants nothing). */
  | 'other';

export const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];

/** Classifies `member` against the service account `email` (matched case-insensitively, as IAM does). */
export function matchMember(member: string, email: string): MemberMatch {
  if (PUBLIC_MEMBERS.includes(member)) return 'public';
  const colon = member.indexOf(':');
  const type = colon < 0 ? member : member.slice(0, colon);
  const value = colon < 0 ? '' : member.slice(colon + 1);
  switch (type) {
    case 'serviceAccount':
      return value.toLowerCase() === email.toLowerCase() ? 'self' : 'other';
    case 'group':
    case 'principalSet':
    case 'principal':
      return 'unverified';
    default:
      return 'other';
  }
}
