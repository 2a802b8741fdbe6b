from placerisk.cli import main

raise SystemExit(main())
