#!/usr/bin/env python3
"""Validate herald's feed files offline with the W3C Feed Validation Service's code.

Usage:
    tests/feedvalidator.py [--validator DIR] [--base URL] FILE...

DIR is the folder holding the validator's `feedvalidator` package (default:
$HERALD_FEEDVALIDATOR, else ../shared/tools/feedvalidator beside the checkout, where the
project keeps the W3C Feed Validation Service's code). It needs
`pip install -r tests/requirements.txt` (lxml, html5lib, rdflib).

RSS and Atom files (`*.xml`) go through the validator, as if fetched from `URL/<file
name>` (default: the file's `file:` URL): pass the site's URL so that the feeds'
`rel="self"` links match where they were "fetched". The validator does not know JSON Feed,
so `*.json` files get this script's check of the JSON Feed 1.1 rules that the spec says
MUST hold (version, title, items, each item's id and content).

Prints one line per finding, `ERROR <file>:<line>:<column>: <message>` or
`WARNING ...`; exits 0 when no file has an error (warnings do not fail), 1 when one has,
2 when the validator cannot be loaded.
"""

import argparse
import json
import os
import pathlib
import sys

DEFAULT_DIR = str(
    pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "tools" / "feedvalidator"
)


def load_validator(directory):
    """Imports the `feedvalidator` package from `directory`."""
    if not os.path.isdir(os.path.join(directory, "feedvalidator")):
        print(f"feedvalidator not found at {directory}", file=sys.stderr)
        sys.exit(2)
    sys.path.insert(0, directory)
    try:
        import feedvalidator  # noqa: F401
        from feedvalidator import logging as fv_logging
        from feedvalidator.formatter.text_plain import Formatter
    except ImportError as error:
        print(f"cannot import feedvalidator from {directory}: {error}", file=sys.stderr)
        sys.exit(2)
    return feedvalidator, fv_logging, Formatter


def xml_findings(path, base, validator):
    """The validator's errors and warnings for one RSS or Atom file."""
    feedvalidator, fv_logging, Formatter = validator
    with open(path, "rb") as stream:
        try:
            events = feedvalidator.validateStream(
                stream, firstOccurrenceOnly=0, contentType=None, base=base
            )["loggedEvents"]
        except fv_logging.ValidationFailure as failure:
            events = [failure.event]
    formatter = Formatter([])
    findings = []
    for event in events:
        if isinstance(event, fv_logging.Error):
            level = "ERROR"
        elif isinstance(event, fv_logging.Warning):
            level = "WARNING"
        else:
            continue
        line = event.params.get("line", 0)
        column = event.params.get("column", 0)
        message = formatter.getMessage(event)
        findings.append((level, f"{path}:{line}:{column}: {message}"))
    return findings


def json_findings(path):
    """The JSON Feed 1.1 MUST rules: https://www.jsonfeed.org/version/1.1/"""
    try:
        with open(path, encoding="utf-8") as stream:
            feed = json.load(stream)
    except (ValueError, UnicodeDecodeError) as error:
        return [("ERROR", f"{path}:0:0: not JSON: {error}")]
    errors = []

    def error(where, message):
        errors.append(("ERROR", f"{path}:0:0: {where}: {message}"))

    if not isinstance(feed, dict):
        return [("ERROR", f"{path}:0:0: the top level is not an object")]
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        error("version", "must be https://jsonfeed.org/version/1.1")
    if not isinstance(feed.get("title"), str) or not feed["title"]:
        error("title", "required, a non-empty string")
    for key in ("home_page_url", "feed_url"):
        if key in feed and not str(feed[key]).startswith(("http://", "https://")):
            error(key, "must be an absolute URL")
    for index, hub in enumerate(feed.get("hubs", [])):
        if not isinstance(hub, dict) or not hub.get("type") or not hub.get("url"):
            error(f"hubs[{index}]", "needs a type and a url")
    items = feed.get("items")
    if not isinstance(items, list):
        error("items", "required, an array")
        items = []
    ids = set()
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            error(where, "not an object")
            continue
        if not isinstance(item.get("id"), str) or not item["id"]:
            error(where, "id is required, a non-empty string")
        elif item["id"] in ids:
            error(where, f"id {item['id']!r} is not unique")
        else:
            ids.add(item["id"])
        if "content_html" not in item and "content_text" not in item:
            error(where, "needs content_html or content_text")
        for key in ("url", "external_url", "image", "banner_image"):
            if key in item and not str(item[key]).startswith(("http://", "https://")):
                error(where, f"{key} must be an absolute URL")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument(
        "--validator",
        default=os.environ.get("HERALD_FEEDVALIDATOR") or DEFAULT_DIR,
        help="the validator's src/ folder",
    )
    parser.add_argument("--base", help="the URL the files are published under")
    parser.add_argument("files", nargs="+", type=pathlib.Path)
    args = parser.parse_args()

    validator = None
    findings = []
    for path in args.files:
        if not path.is_file():
            findings.append(("ERROR", f"{path}:0:0: no such file"))
            continue
        if path.suffix == ".json":
            findings += json_findings(path)
            continue
        if validator is None:
            validator = load_validator(args.validator)
        if args.base:
            base = args.base.rstrip("/") + "/" + path.name
        else:
            base = path.resolve().as_uri()
        findings += xml_findings(path, base, validator)

    for level, text in findings:
        print(f"{level} {text}")
    errors = sum(1 for level, _ in findings if level == "ERROR")
    warnings = len(findings) - errors
    print(f"{len(args.files)} file(s): {errors} error(s), {warnings} warning(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
