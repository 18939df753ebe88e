"""Put a generated section into a markdown file: the text on stdin replaces
what stands between `<!-- NAME:start -->` and `<!-- NAME:end -->`, or is
appended with those markers when the file has none.

    python3 put_section.py FILE NAME < text
"""
import pathlib
import sys


def put(text: str, doc: str, name: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.strip()}\n{end}\n"
    if start in doc and end in doc:
        head, rest = doc.split(start, 1)
        _, tail = rest.split(end, 1)
        return head + block.rstrip("\n") + tail
    return doc.rstrip("\n") + ("\n\n" if doc.strip() else "") + block


def keep(doc: str, name: str) -> str:
    """The section of `doc` named `name`, markers included ('' if none)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start in doc and end in doc:
        return start + doc.split(start, 1)[1].split(end, 1)[0] + end + "\n"
    return ""


if __name__ == "__main__":
    path = pathlib.Path(sys.argv[1])
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(put(sys.stdin.read(), old, sys.argv[2]), encoding="utf-8")
