// Strength meter for new-password fields. It asks the server, which applies
// the same policy as on submit, so the meter and the form never disagree.
// The page marks the field with data-password-meter and holds a <meter> and
// a status line with the ids given in data-meter and data-meter-message.

const DEBOUNCE_MS = 250;

/**
 * @param {HTMLInputElement} input
 */
function attach(input) {
  const meter = /** @type {HTMLMeterElement | null} */ (document.getElementById(input.dataset.meter ?? ''));
  const message = document.getElementById(input.dataset.meterMessage ?? '');
  const form = input.form;
  if (!meter || !message || !form) {
    return;
  }
  /** @type {number | undefined} */
  let timer;
  let sequence = 0;

  /** @param {string} name */
  const field = (name) => {
    const element = form.elements.namedItem(name);
    return element instanceof HTMLInputElement ? element.value : '';
  };

  const update = async () => {
    const ticket = ++sequence;
    if (input.value === '') {
      meter.value = 0;
      message.textContent = '';
      return;
    }
    const body = {
      password: input.value,
      name: field('name'),
      email: field('email'),
      practice_name: field('practice_name'),
      slug: field('slug'),
    };
    try {
      const response = await fetch('/password/check', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'same-origin',
      });
      if (!response.ok || ticket !== sequence) {
        return;
      }
      /** @type {{score: number, ok: boolean, message: string}} */
      const result = await response.json();
      meter.value = result.ok ? Math.max(result.score, 3) : Math.min(result.score, 2);
      message.textContent = result.ok ? (meter.dataset.okText ?? '') : result.message;
      input.setAttribute('aria-invalid', result.ok ? 'false' : 'true');
    } catch {
      // The server checks again on submit; a failed meter request changes nothing.
    }
  };

  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, DEBOUNCE_MS);
  });
}

for (const input of document.querySelectorAll('input[data-password-meter]')) {
  if (input instanceof HTMLInputElement) {
    attach(input);
  }
}
