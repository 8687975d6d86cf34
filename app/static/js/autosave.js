// Saves each answer of an assessment section as it is given, so nothing is lost if the official closes
// the page, loses the connection or switches device. Loaded as a module by assess/section.html:
//   <form data-autosave-url="/assess/attempts/7/answers"> ... <div id="autosave-status" role="status">
// Without JavaScript the page's "Save and continue" button saves the same answers.
//
// Each change is POSTed as JSON {"item": <id>, "value": <answer>} with the form's CSRF token in the
// X-CSRFToken header. Saves go one at a time, in order, the latest value of an item winning, so an
// older value can never overwrite a newer one. A refused value (400) is reported and not retried; a
// network or server failure is retried with a growing delay until it gets through.

const form = document.querySelector('form[data-autosave-url]')
const status = document.getElementById('autosave-status')

if (form && status) {
  const url = form.dataset.autosaveUrl
  const token = form.querySelector('input[name="csrf_token"]').value
  const counter = document.querySelector('[data-answered-count]')
  const pending = new Map() // item id -> latest value not yet saved
  let saving = false
  let retryDelay = 1000

  const say = (text) => { status.textContent = text }

  const itemOf = (input) => {
    const match = /^item-(\d+)$/.exec(input.name || '')
    return match ? Number(match[1]) : null
  }

  const valueOf = (input) => {
    if (input.type === 'checkbox') {
      return Array.from(form.querySelectorAll(`input[name="${input.name}"]:checked`), (box) => box.value)
    }
    return input.value
  }

  const save = async () => {
    if (saving || pending.size === 0) return
    const [item, value] = pending.entries().next().value
    pending.delete(item)
    saving = true
    say(status.dataset.saving)
    let response
    try {
      response = await fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': token },
        body: JSON.stringify({ item, value })
      })
    } catch (error) {
      response = null
    }
    const body = response ? await response.json().catch(() => ({})) : {}
    saving = false
    if (response && response.ok) {
      retryDelay = 1000
      if (counter && typeof body.answered === 'number') counter.textContent = body.answered
      say(status.dataset.saved)
    } else if (response && [400, 404, 409].includes(response.status) && body.error) {
      // The server refused this value (or the assessment is closed): retrying would not help.
      say(`${status.dataset.refused} ${body.error}`)
    } else {
      if (!pending.has(item)) pending.set(item, value) // a newer value, if any, wins
      say(status.dataset.failed)
      setTimeout(save, retryDelay)
      retryDelay = Math.min(retryDelay * 2, 30000)
      return
    }
    save()
  }

  form.addEventListener('change', (event) => {
    const item = itemOf(event.target)
    if (item === null) return
    pending.set(item, valueOf(event.target))
    save()
  })
}
