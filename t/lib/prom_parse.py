#!/usr/bin/python3
"""Parses Prometheus text exposition format from stdin with the reference
parser of the Python client (Debian: python3-prometheus-client) and prints

    family NAME TYPE
    NAME{label="value",...} VALUE

one line per family and per sample, in the order given; any parse error
prints "error: ..." and exits 1.  Values print as integers when they are.
"""

import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = sys.stdin.read()
    out = []
    try:
        for fam in text_string_to_metric_families(text):
            out.append("family %s %s" % (fam.name, fam.type))
            for s in fam.samples:
                labels = ",".join('%s="%s"' % (k, v)
                                  for k, v in sorted(s.labels.items()))
                v = s.value
                if v == int(v):
                    v = int(v)
                out.append("%s{%s} %s" % (s.name, labels, v))
    except Exception as e:  # the parser raises ValueError and others
        print("error: %s: %s" % (type(e).__name__, e))
        return 1
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
