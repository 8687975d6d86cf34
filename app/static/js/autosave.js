// Saves each answer of an assessment section as it is given, so nothing is lost if the official closes
// the page, loses the connection, switches device or is signed out. Loaded as a module by
// assess/section.html:
//   <form data-autosave-url="/assess/attempts/7/answers"> ... <div id="autosave-status" role="status">
// Without JavaScript the page's "Save and continue" button saves the same answers.
//
// Each change is POSTed as JSON {"item": <id>, "value": <answer>} with the form's CSRF token in the
// X-CSRFToken header. Saves go one at a time, in order, the latest value of an item winning, so an
// older value can never overwrite a newer one. A refused value (400) is reported and not retried; a
// network or server failure is retried with a growing delay until it gets through.
//
// Until the server has it, an answer is also kept in this browser (localStorage, one key per attempt and
// item). When the session has ended (401: signed out in another tab, deactivated, the time limit), the
// page says so with a link to sign in that comes back here; back on the page, the kept answers are put
// back in the form and sent.

const form = document.querySelector('form[data-autosave-url]')
const status = document.getElementById('autosave-status')

const keeper = (attempt) => {
  const prefix = `capstack:unsent:${attempt}:`
  const guard = (work, fallback) => {
    try { return work() } catch (error) { return fallback } // storage off or full: memory only
  }
  return {
    keep: (item, value) => guard(() => localStorage.setItem(prefix + item, JSON.stringify(value))),
    forget: (item, value) => guard(() => {
      // Only the value that was sent: a newer one given meanwhile is still unsent.
      if (localStorage.getItem(prefix + item) === JSON.stringify(value)) localStorage.removeItem(prefix + item)
    }),
    all: () => guard(() => Object.keys(localStorage).filter((key) => key.startsWith(prefix)).map((key) =>
      [Number(key.slice(prefix.length)), JSON.parse(localStorage.getItem(key))]), [])
  }
}

if (form && status) {
  const url = form.dataset.autosaveUrl
  const token = form.querySelector('input[name="csrf_token"]').value
  const counter = document.querySelector('[data-answered-count]')
  const kept = keeper(/\/attempts\/(\d+)\//.exec(url)[1])
  const pending = new Map() // item id -> latest value not yet saved
  let saving = false
  let signedOut = false
  let retryDelay = 1000

  const say = (text) => { status.textContent = text }

  const saySignedOut = () => {
    const link = document.createElement('a')
    link.className = 'govuk-link'
    link.href = status.dataset.signInUrl
    link.textContent = status.dataset.signIn
    status.replaceChildren(`${status.dataset.signedOut} `, link)
  }

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

  const show = (item, value) => { // put a kept answer back in the form
    for (const input of form.querySelectorAll(`[name="item-${item}"]`)) {
      if (input.type === 'checkbox') input.checked = Array.isArray(value) && value.includes(input.value)
      else if (input.type === 'radio') input.checked = input.value === value
      else input.value = value
    }
  }

  const save = async () => {
    if (saving || signedOut || pending.size === 0) return
    const [item, value] = pending.entries().next().value
    pending.delete(item)
    saving = true
    say(status.dataset.saving)
    let response
    try {
      response = await fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual', // a redirect (to the login page) is never a success
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': token },
        body: JSON.stringify({ item, value })
      })
    } catch (error) {
      response = null
    }
    const body = response ? await response.json().catch(() => ({})) : {}
    saving = false
    if (response && response.ok && body.saved) {
      retryDelay = 1000
      kept.forget(item, value)
      if (counter && typeof body.answered === 'number') counter.textContent = body.answered
      say(status.dataset.saved)
    } else if (response && response.status === 401) {
      // Signed out: keep this answer (and any later ones) for after signing in again.
      if (!pending.has(item)) pending.set(item, value)
      signedOut = true
      saySignedOut()
      return
    } else if (response && [400, 404, 409].includes(response.status) && body.error) {
      // The server refused this value (or the assessment is closed): retrying would not help.
      kept.forget(item, value)
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
    const value = valueOf(event.target)
    pending.set(item, value)
    kept.keep(item, value)
    if (signedOut) saySignedOut()
    else save()
  })

  // Answers kept from before (signed out, or the page closed before they were saved): send them now.
  for (const [item, value] of kept.all()) {
    if (form.querySelector(`[name="item-${item}"]`)) show(item, value)
    pending.set(item, value)
  }
  save()
}
