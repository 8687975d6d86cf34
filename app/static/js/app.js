// CapStack front-end entry point. Loaded from base.html as
//   <script type="module" src="/static/js/app.js"></script>
// so it only runs in browsers that support ES modules, which is exactly the
// set GOV.UK Frontend supports. No inline script is needed (strict CSP).
//
// Served at /static/js/app.js; the GOV.UK Frontend bundle is copied by
// `npm run build` to /static/build/govuk-frontend.min.js.
import { initAll } from '../build/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()
