"""Course pages: reading.py (learners: my training, catalogue, course, module, search; and
assignment) and authoring.py (trainers: courses, modules, history, media)."""
