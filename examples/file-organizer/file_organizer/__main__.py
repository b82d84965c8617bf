from file_organizer.cli import main

raise SystemExit(main())
