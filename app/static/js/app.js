// CapStack front-end entry point. Loaded from base.html as a module
//   <script type="module" src="{{ asset_url('js/app.js') }}"></script>
// so it only runs in browsers that support ES modules, which is exactly the
// set GOV.UK Frontend supports. No inline script is needed (strict CSP).
//
// Pages link a copy under a hashed name in /static/build/ (app/static_assets.py,
// built by `make assets`), whose import of the GOV.UK Frontend bundle is
// rewritten to that bundle's hashed name too: edit this file, then `make assets`.
import { initAll } from '../build/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()
