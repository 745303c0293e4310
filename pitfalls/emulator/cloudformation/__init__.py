"""Our CloudFormation, over moto's: strict resource models and a walk that does each resource once.

- `resource.py`: the base of every model (`Resource`) and the registry of types;
- `engine.py`: how a stack operation walks its resources, with events and rollbacks;
- `patches.py`: where that replaces moto's own stack operations;
- `errors.py`: the failures it reports; `api_shape.py`: CloudFormation shapes to API shapes.

The models of each type live with their service, in `pitfalls.emulator.services`.
"""
