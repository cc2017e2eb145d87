"""Reads the INI files of the Slurm scripts: `get` prints one option's value, `strip` copies a file
without some sections (iwsi refuses options no job has, such as the scripts' own [pipeline],
[sweep] and [slurm]). Line-based on purpose: iwsi's INI dialect (Boost) allows repeated keys and
`#` comments after a value, which configparser rejects. It does not validate iwsi's options.
usage: ini.py get FILE SECTION.KEY [DEFAULT]     ini.py strip FILE OUT SECTION [SECTION ...]"""
import re
import sys

SECTION = re.compile(r"^\s*\[([^\]]*)\]\s*$")


def entries(path):
    """(section, key, value, line) for every option line, in file order."""
    section = ""
    with open(path) as f:
        for line in f:
            text = line.split("#", 1)[0].strip()
            match = SECTION.match(text)
            if match:
                section = match.group(1).strip()
            elif "=" in text:
                key, value = text.split("=", 1)
                yield section, key.strip(), value.strip(), line


def get(path, name, default=None):
    section, _, key = name.rpartition(".")
    values = [v for s, k, v, _ in entries(path) if s == section and k == key]
    if values:
        return values[-1]
    if default is None:
        sys.exit(f"{path}: option '{key}' in [{section}] is required")
    return default


def strip(path, out, drop):
    kept, section = [], ""
    with open(path) as f:
        for line in f:
            match = SECTION.match(line.split("#", 1)[0].strip())
            if match:
                section = match.group(1).strip()
            if section not in drop:
                kept.append(line)
    with open(out, "w") as f:
        f.writelines(kept)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "get":
        print(get(args[0], args[1], args[2] if len(args) > 2 else None))
    elif command == "strip":
        strip(args[0], args[1], set(args[2:]))
    else:
        sys.exit(f"ini.py: unknown command '{command}' (get, strip)")
