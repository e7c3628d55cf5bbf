"""Writing a measured-records file that `cascadesim calibrate` and `report` read: {"schema_version": 1, "records":
[...]}, written to a temporary file beside the target and renamed into place, so a reader never sees half a file."""
import json
import os
import tempfile


def write_records(records, path):
    text = json.dumps({"schema_version": 1, "records": records}, indent=1) + "\n"
    with tempfile.NamedTemporaryFile("w", dir=os.path.dirname(os.path.abspath(path)), delete=False) as f:
        f.write(text)
    os.replace(f.name, path)
