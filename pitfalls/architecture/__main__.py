"""`python -m pitfalls.architecture TEMPLATE|CDK_OUT [OUT.svg]`: draw a stack from its template."""

from pitfalls.architecture import main

raise SystemExit(main())
