// Display-name rules for the check-in form. They mirror DisplayName::parse in
// src/core/validate.rs so that the form can name the exact problem before the
// server rejects the name with the generic `invalid_name` error.

/** Maximum length of a display name in Unicode code points, after trimming. */
export const NAME_MAX_CHARS = 64;

/**
 * Control, format and bidirectional characters, and private-use and special
 * code points. The server rejects a name that contains any of them, even where
 * collapsing whitespace would have dropped the character.
 */
const FORBIDDEN_CHARACTER = new RegExp(
  '[\\p{Cc}\\p{Cf}\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069' +
    '\\u00AD\\u180E\\u200B-\\u200D\\u2060-\\u2064\\uFEFF' +
    '\\u2028\\u2029\\uE000-\\uF8FF\\uFFF0-\\uFFFF' +
    '\\u034F\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F\\u3164\\uFFA0\\uFE00-\\uFE0F]',
  'u',
);

/** Combining marks that some scripts need and the Alphabetic property does not cover. */
const COMBINING_MARKS =
  '\\u0300-\\u036F\\u0483-\\u0489\\u0591-\\u05BD\\u064B-\\u065F\\u0900-\\u0903' +
  '\\u093A-\\u094F\\u0E31\\u0E34-\\u0E3A\\u0E47-\\u0E4E\\u1AB0-\\u1AFF' +
  '\\u1DC0-\\u1DFF\\u20D0-\\u20FF\\u3099\\u309A\\uFE20-\\uFE2F';

const NAME_CHARACTERS = new RegExp(`^[\\p{Alphabetic}${COMBINING_MARKS} \\-'’.,]+$`, 'u');

const LETTER = /\p{Alphabetic}/u;

/** More than three combining marks in a row, which would draw over other lines. */
const MARK_STACK = new RegExp(`[${COMBINING_MARKS}]{4,}`, 'u');

const WHITESPACE = /\p{White_Space}+/u;

/** @typedef {'empty' | 'too-long' | 'forbidden-character' | 'not-a-letter'} NameError */

/**
 * Trims a display name, collapses inner whitespace and checks it in the
 * server's order: empty, forbidden character, length, allowed characters.
 * @param {string} input
 * @returns {{ ok: true, name: string } | { ok: false, error: NameError }}
 */
export function parseDisplayName(input) {
  const name = input
    .split(WHITESPACE)
    .filter((word) => word !== '')
    .join(' ');

  if (name === '') {
    return { ok: false, error: 'empty' };
  }
  if (FORBIDDEN_CHARACTER.test(input)) {
    return { ok: false, error: 'forbidden-character' };
  }
  if ([...name].length > NAME_MAX_CHARS) {
    return { ok: false, error: 'too-long' };
  }
  if (!NAME_CHARACTERS.test(name) || !LETTER.test(name)) {
    return { ok: false, error: 'not-a-letter' };
  }
  if (MARK_STACK.test(name)) {
    return { ok: false, error: 'forbidden-character' };
  }
  return { ok: true, name };
}
