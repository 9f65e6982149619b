from fpconsole.cli import main

raise SystemExit(main())
