"""Anchor: a Locust full history with pyarrow's CSV reader, one column: the rows and the
largest cell of the 99% column, printed as JSON.  python history_pyarrow.py FILE"""

import json
import sys

import pyarrow.compute as pc
from pyarrow import csv

table = csv.read_csv(
    sys.argv[1],
    convert_options=csv.ConvertOptions(
        include_columns=["99%"], column_types={"99%": "int64"}, null_values=["N/A"]
    ),
)
column = table.column("99%")
print(json.dumps({"history_rows": table.num_rows, "history_max_p99": pc.max(column).as_py()}))
