"""Request forms built from the method registry.

Modules, one job each: `spec` (what a form asks, derived from a request model), `rules`
(conditional fields such as product 1000's KYC block), `document` (PDF path or base64),
`body` (typed text → request body and field errors), `status` (a submission's live status),
`outcome`, `protocol` (what the form needs from the app's backend), `widgets` (one field's
widgets), `leave` (the discard question), `screen` (the modal form) and `testing` (a fake backend
and a host app for tests and snapshots).

Nothing is imported here, so `fpconsole.tui.forms.spec` and friends stay usable without
loading the widgets.
"""
