"""QA scenarios: a TOML file of named steps (Card API methods or sandbox controls), each able to
use earlier answers (`${issue.cards.0.card_id}`) and to assert on its own answer; run by
`fpconsole scenario run`, recorded from the journal by `fpconsole scenario record`, and run live
in the console's Scenarios screen. The package is core: it never imports Textual."""
