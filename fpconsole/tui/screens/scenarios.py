"""Scenarios (`:scenarios`, or `:scenario FILE`): pick a scenario file and run it on the
console's own connection, each step's line filled in live as it starts and ends (with its
request_id, findable in Requests). The same runner as `fpconsole scenario run`; the same
refusals (sandbox-only steps off a sandbox, state changes on production) before anything is
sent."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from fpconsole.scenario.runner import StepResult
    from fpconsole.tui.app import FpConsoleApp


def scenario_folders() -> list[Path]:
    """Where scenario files are looked for: ./scenarios and the state folder's scenarios/
    (where Requests → Save as scenario writes)."""
    from fpconsole.locations import state_dir

    return [Path.cwd() / "scenarios", state_dir() / "scenarios"]


def scenario_files() -> list[Path]:
    found: list[Path] = []
    for folder in scenario_folders():
        try:
            found += sorted(path for path in folder.glob("*.toml") if path.is_file())
        except OSError:
            continue
    return found


class ScenariosScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ScenariosScreen { align: center middle; background: $background 40%; }
    ScenariosScreen > Vertical { width: 100%; max-width: 120; height: 90%; border: tall $accent; background: $surface; padding: 0 1; }
    ScenariosScreen #scenario-title { text-style: bold; height: 1; }
    ScenariosScreen #scenario-files { height: auto; max-height: 10; }
    ScenariosScreen #scenario-steps { height: 1fr; }
    ScenariosScreen .step-fail, ScenariosScreen .step-error { color: $error; }
    ScenariosScreen .step-pass { color: $success; }
    ScenariosScreen #scenario-summary { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="scenarios-close"),
        Binding("r", "rerun", "Run again", id="scenarios-rerun"),
    ]

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.path = path
        self.running = False
        self.lines: dict[str, Static] = {}

    @property
    def fp_app(self) -> FpConsoleApp:
        from fpconsole.tui.app import FpConsoleApp

        assert isinstance(self.app, FpConsoleApp)
        return self.app

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Scenarios: Enter runs one · r runs it again · Esc closes", id="scenario-title")
            if self.path is None:  # :scenarios picks one; :scenario FILE runs it at once
                files = scenario_files()
                options = [Option(self._shown(path), id=str(path)) for path in files]
                if not options:
                    where = " or ".join(str(folder) for folder in scenario_folders())
                    options = [
                        Option(f"No scenario files in {where}; :scenario FILE runs one", disabled=True)
                    ]
                yield OptionList(*options, id="scenario-files")
            yield VerticalScroll(id="scenario-steps")
            yield Static("", id="scenario-summary")

    def on_mount(self) -> None:
        if self.path is not None:
            self.call_after_refresh(self.start, self.path)

    @staticmethod
    def _shown(path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    @on(OptionList.OptionSelected, "#scenario-files")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.start(Path(event.option.id))

    def action_rerun(self) -> None:
        if self.path is not None:
            self.start(self.path)

    def action_close(self) -> None:
        if self.running:
            self.notify("The scenario stops after the step in flight; its outcome is in Requests.", timeout=5)
            self.workers.cancel_group(self, "scenario")
        self.dismiss(None)

    def start(self, path: Path) -> None:
        if self.running:
            self.notify("A scenario is running; wait for it to end.", severity="warning")
            return
        from fpconsole.scenario.parse import ScenarioError, load

        self.path = path
        steps = self.query_one("#scenario-steps", VerticalScroll)
        steps.remove_children()
        self.lines = {}
        summary = self.query_one("#scenario-summary", Static)
        try:
            scenario = load(path)
        except ScenarioError as exc:
            summary.update("\n".join(exc.problems))
            summary.set_classes("step-error")
            return
        backend = self.fp_app.backend
        if backend is None:
            from fpconsole.tui.connection import unavailable_reason

            summary.update(f"Not connected: {unavailable_reason(self.app)}")
            return
        from fpconsole.scenario import runner

        session = backend.session
        kind = "sandbox" if session.embedded else session.kind
        refused = runner.refusals(
            scenario, kind=kind, profile=session.profile_name, read_only=session.read_only
        )
        missing = runner.secrets_needed(scenario)
        values, problems = runner.gather_secrets(missing, None)
        if refused or problems:
            summary.update("\n".join([*refused, *problems, "Nothing was sent."]))
            summary.set_classes("step-error")
            return
        title = self.query_one("#scenario-title", Static)
        title.update(f"{scenario.name} ({self._shown(path)}) on {session.profile_name}")
        for step in scenario.steps:
            line = Static(f"  {'':4} {step.name:<14} {step.kind}", classes="step-pending")
            self.lines[step.name] = line
            steps.mount(line)
        summary.update("Running…")
        summary.set_classes("")
        self.running = True
        self.run_scenario(session, scenario, values)

    @work(exit_on_error=False, group="scenario", exclusive=True)
    async def run_scenario(self, session: Any, scenario: Any, secrets: dict[str, str]) -> None:
        from fpconsole.scenario import report, runner

        try:
            done = await runner.run_scenario(session, scenario, secrets=secrets, on_step=self.show_step)
        finally:
            self.running = False
        summary = self.query_one("#scenario-summary", Static)
        summary.update(report.summary(done))
        summary.set_classes("step-pass" if done.exit_code == 0 else "step-fail")

    def show_step(self, result: StepResult) -> None:
        from fpconsole.scenario import report

        line = self.lines.get(result.step.name)
        if line is None:
            return
        text = report.step_line(result, compact=True)
        extra = report.details(result)
        line.update("\n".join([text, *extra]))
        line.set_classes(f"step-{result.state}")
