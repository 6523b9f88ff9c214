export const MAX_PASSWORD_LENGTH = 128;

/**
 * The seed's rule, as readable reasons. Used to explain a rejected password without ever
 * echoing it; the schema enforces the same rule.
 */
export function passwordPolicyViolations(password: string, minLength: number): string[] {
  const violations: string[] = [];
  // Characters (code points), as the schema counts them: an emoji is one, not two UTF-16 units.
  const length = [...password].length;
  if (length < minLength) violations.push(`must be at least ${minLength} characters`);
  if (length > MAX_PASSWORD_LENGTH) violations.push(`must be at most ${MAX_PASSWORD_LENGTH} characters`);
  if (!/[A-Z]/.test(password)) violations.push("must contain an upper-case letter");
  if (!/[a-z]/.test(password)) violations.push("must contain a lower-case letter");
  if (!/\d/.test(password)) violations.push("must contain a digit");
  return violations;
}
