"""Pipeline step kinds, one module each; :mod:`.registry` lists them (see ``_base.StepKind``)."""
