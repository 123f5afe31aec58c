// Localised times and durations, in the page language rather than the
// browser's, so that they match the surrounding translated text.

import { pageLanguage, t } from './strings.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * Formats how long someone has waited, such as "3 minutes" or "1 hour".
 * Under a minute it returns the translated "less than a minute".
 * @param {number} sinceMs Unix time in milliseconds
 * @param {number} nowMs Unix time in milliseconds
 */
export function formatWaitingTime(sinceMs, nowMs) {
  const elapsed = Math.max(0, nowMs - sinceMs);
  if (elapsed < MINUTE_MS) {
    return t('queueWaitingUnderMinute');
  }

  const language = pageLanguage();
  if (elapsed < HOUR_MS) {
    const minutes = Math.floor(elapsed / MINUTE_MS);
    return new Intl.NumberFormat(language, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(minutes);
  }
  const hours = Math.floor(elapsed / HOUR_MS);
  return new Intl.NumberFormat(language, { style: 'unit', unit: 'hour', unitDisplay: 'long' }).format(hours);
}

/**
 * Formats a point in time as a date and a clock time in the browser's time zone.
 * @param {Date} date
 */
export function formatDateTime(date) {
  return new Intl.DateTimeFormat(pageLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/**
 * Formats a clock time only, such as "14:05" or "2:05 PM".
 * @param {Date} date
 */
export function formatClockTime(date) {
  return new Intl.DateTimeFormat(pageLanguage(), { timeStyle: 'short' }).format(date);
}

/**
 * Replaces the text of every `<time datetime>` element under `root` that
 * carries `data-localize` with the date and time in the page language. The
 * server renders the raw RFC 3339 value, which stays when the value is invalid.
 * @param {ParentNode} root
 */
export function localizeTimes(root) {
  for (const element of root.querySelectorAll('time[data-localize]')) {
    const value = element.getAttribute('datetime');
    const date = value ? new Date(value) : null;
    if (date && !Number.isNaN(date.getTime())) {
      element.textContent = formatDateTime(date);
    }
  }
}
