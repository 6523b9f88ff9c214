/**
 * NFKC, as NIST SP 800-63B asks (NFKC or NFKD): the spellings a keyboard or an input method may
 * send for one password (precomposed or combining accents, full-width or compatibility forms)
 * become one string before any rule and before hashing. K rather than C so that a password
 * typed in an IME's full-width mode still matches; composed rather than decomposed so that a
 * stored hash does not change for the common, already-composed input.
 */
export const normalizePassword = (password: string) => password.normalize("NFKC");

/** Length in characters (code points), not UTF-16 units: an emoji counts once. */
export const characterCount = (text: string) => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

const ASCII = /^\p{ASCII}*$/u;

/** How passwords and list entries are compared: normalized, then case-insensitively. */
export const foldForComparison = (text: string) => (ASCII.test(text) ? text : text.normalize("NFKC")).toLowerCase();
