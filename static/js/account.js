// The account page: show session and security-log times in the browser's
// time zone and language.
import { localizeTimes } from './time.js';

localizeTimes(document);
