"""Local state: the entity cache (disposable), the request journal and form drafts.

Nothing is imported here: callers import the module they need (`fpconsole.store.cache`,
`.journal`, `.drafts`), so the CLI pays only for what it touches. Never imports Textual.
"""
