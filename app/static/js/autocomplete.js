// Search-as-you-type for long select lists (licences, competencies, resources) on the curator forms.
// Loaded as a module by the pages that have one:
//   <script type="module" src="{{ asset_url('js/autocomplete.js') }}"></script>
//   <select name="licence" data-autocomplete="true"> ... </select>
// Without JavaScript the select list works as it is, and the server checks what is sent either way.
//
// Each marked select is kept (hidden) and still sent with the form; a text box takes its place and its
// label (the ARIA 1.2 combobox pattern): typing filters the options (every word, in any order, accents
// and case ignored), the arrow keys move through them, Enter or a click picks one, Escape closes the
// list. A live region says how many options match.

const MAX_SHOWN = 50

const fold = (text) => text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()

let counter = 0

const enhance = (select) => {
  const id = select.id
  const number = ++counter
  const options = [...select.options].filter((option) => option.value !== '')
    .map((option) => ({ value: option.value, text: option.text, key: fold(option.text) }))

  const wrapper = document.createElement('div')
  wrapper.className = 'app-autocomplete'
  const input = document.createElement('input')
  input.type = 'text'
  input.className = 'govuk-input app-autocomplete__input'
  if (select.classList.contains('govuk-select--error')) input.classList.add('govuk-input--error')
  input.setAttribute('role', 'combobox')
  input.setAttribute('aria-autocomplete', 'list')
  input.setAttribute('aria-expanded', 'false')
  input.setAttribute('autocomplete', 'off')
  input.spellcheck = false
  const described = select.getAttribute('aria-describedby')
  const list = document.createElement('ul')
  list.className = 'app-autocomplete__list'
  list.id = `autocomplete-${number}-list`
  list.setAttribute('role', 'listbox')
  list.hidden = true
  const label = document.querySelector(`label[for="${id}"]`)
  if (label) {
    label.id = label.id || `autocomplete-${number}-label`
    list.setAttribute('aria-labelledby', label.id)
  }
  input.setAttribute('aria-controls', list.id)
  const status = document.createElement('div')
  status.className = 'govuk-visually-hidden'
  status.setAttribute('role', 'status')

  const hint = document.createElement('span')
  hint.id = `autocomplete-${number}-hint`
  hint.className = 'govuk-visually-hidden'
  hint.textContent = 'Type to search, then use the up and down arrows and Enter to choose.'
  input.setAttribute('aria-describedby', [described, hint.id].filter(Boolean).join(' '))

  // The text box takes the select's id, so its label (for=id) and the error summary's link reach it.
  select.id = `${id}-select`
  select.hidden = true
  select.removeAttribute('aria-describedby')
  input.id = id
  const picked = select.selectedOptions[0]
  input.value = picked && picked.value !== '' ? picked.text : ''
  select.after(wrapper)
  wrapper.append(input, list, status, hint)

  let shown = []
  let active = -1

  const close = () => {
    list.hidden = true
    input.setAttribute('aria-expanded', 'false')
    input.removeAttribute('aria-activedescendant')
    active = -1
  }

  const highlight = (index) => {
    active = index
    list.querySelectorAll('[role="option"]').forEach((item, n) => item.setAttribute('aria-selected', String(n === index)))
    if (index < 0) {
      input.removeAttribute('aria-activedescendant')
      return
    }
    const item = list.children[index]
    input.setAttribute('aria-activedescendant', item.id)
    item.scrollIntoView({ block: 'nearest' })
  }

  const pick = (option) => {
    select.value = option.value
    input.value = option.text
    select.dispatchEvent(new Event('change', { bubbles: true }))
    close()
  }

  const open = () => {
    const words = fold(input.value).split(/\s+/).filter(Boolean)
    const matching = options.filter((option) => words.every((word) => option.key.includes(word)))
    shown = matching.slice(0, MAX_SHOWN)
    list.replaceChildren(...shown.map((option, n) => {
      const item = document.createElement('li')
      item.id = `autocomplete-${number}-option-${n}`
      item.className = 'app-autocomplete__option'
      item.setAttribute('role', 'option')
      item.setAttribute('aria-selected', 'false')
      item.textContent = option.text
      item.addEventListener('mousedown', (event) => {
        event.preventDefault() // keep the focus in the text box
        pick(option)
      })
      return item
    }))
    list.hidden = shown.length === 0
    input.setAttribute('aria-expanded', String(shown.length > 0))
    active = -1
    status.textContent = matching.length === 0 ? 'No results'
      : matching.length > shown.length ? `${shown.length} of ${matching.length} results shown: type more to narrow them`
        : `${matching.length} ${matching.length === 1 ? 'result' : 'results'} available`
  }

  // What is typed stands only if it is an option's text (or nothing): else nothing is picked, and the
  // server says what to choose.
  const settle = () => {
    const typed = fold(input.value.trim())
    const exact = options.find((option) => option.key === typed)
    select.value = exact ? exact.value : ''
    if (exact) input.value = exact.text
  }

  input.addEventListener('input', open)
  input.addEventListener('blur', () => { close(); settle() })
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault()
      if (list.hidden) open()
      highlight(Math.min(active + 1, shown.length - 1))
    } else if (event.key === 'ArrowUp') {
      event.preventDefault()
      highlight(Math.max(active - 1, 0))
    } else if (event.key === 'Enter' && !list.hidden && active >= 0) {
      event.preventDefault() // choose, do not send the form
      pick(shown[active])
    } else if (event.key === 'Escape') {
      close()
    }
  })
}

document.querySelectorAll('select[data-autocomplete]').forEach(enhance)
