"""`python -m pitfalls`: the course's command line."""

from pitfalls.cli import main

raise SystemExit(main())
