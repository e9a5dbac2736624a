"""Print the original Node.js 20 verify handler from the Amplify Studio documentation page kept in
shared/seeds (it is not copied into this repository)."""
import sys
from pathlib import Path

text = Path(sys.argv[1]).read_text()
start = text.index("const { AmplifyBackendClient")
end_marker = "exports.AmplifyBackendService = AmplifyBackendService;"
end = text.index(end_marker, start) + len(end_marker)
print(text[start:end])
