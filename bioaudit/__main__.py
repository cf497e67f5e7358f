from bioaudit.cli import main

raise SystemExit(main())
