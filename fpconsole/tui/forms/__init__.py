"""Request forms built from the method registry.

Modules, one job each: `spec` (what a form asks, derived from a request model), `rules`
(conditional fields such as product 1000's KYC block), `document` (PDF path or base64),
`body` (typed text → request body and field errors), `submission` (the request_id and phase
rule: what ctrl+s does next), `drafts` (what a draft restores and keeps), `status` (a
submission's live status), `outcome`, `protocol` (what the form needs from the app's backend),
`widgets` (one field's widgets), `leave` (the discard question), `styles` (the .tcss files) and
`screen` (the modal form, which shows what the others decide). `submission` and `drafts` have
no Textual in them and are tested without an app.

Nothing is imported here, so `fpconsole.tui.forms.spec` and friends stay usable without
loading the widgets.
"""
