// Translated strings for the scripts. The server renders every Fluent message
// whose key starts with `js-` as a data attribute of the hidden #strings
// element, so `js-call-connected` arrives as `dataset.callConnected`.
//
// These strings take no arguments: the server formats them without any, and
// a Fluent placeable with a missing argument makes the lookup fail. Scripts
// compose names and numbers into the page as separate elements instead.

/**
 * Returns the translated string for a key given in dataset form (the Fluent
 * key without `js-`, in camelCase). A missing key returns the key itself, so
 * the gap is visible on the page and in tests.
 * @param {string} key
 * @returns {string}
 */
export function t(key) {
  const strings = document.getElementById('strings');
  const text = strings?.dataset[key];
  if (text === undefined) {
    console.warn(`visite: no translation for ${key}`);
    return key;
  }
  return text;
}

/** Returns the page language that the server chose, such as `de` or `en`. */
export function pageLanguage() {
  return document.documentElement.lang || 'en';
}

/**
 * Returns the translated text of a server error code: `queue_full` is the
 * Fluent key `js-error-queue-full`, read as `errorQueueFull`. A code that this
 * page has no text for gets the general error text.
 * @param {string} code
 */
export function errorText(code) {
  const strings = document.getElementById('strings');
  const wellFormed = /^[a-z]+(_[a-z]+)*$/.test(code);
  const key = 'error' + code.split('_').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
  if (!wellFormed || strings?.dataset[key] === undefined) {
    console.warn(`visite: no text for the server error ${code}`);
    return t('errorUnknown');
  }
  return t(key);
}
