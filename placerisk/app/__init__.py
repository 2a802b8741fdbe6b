"""The application layer: configuration, files and MLflow meet the domain packages here.

``commands/`` holds one module per ``placerisk`` command (none imports
another); ``catalog`` alone knows where every artefact lives; ``build`` is the
one way any command gets features; ``promotion`` is the gate ``train`` records
and ``approve`` checks.
"""
