#!/usr/bin/env python3
# Turn a file into a C array, so the built-in default topology is the very
# bytes of fixtures/default.json.
import sys

src, dst, symbol = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as out:
    out.write('#include <stddef.h>\n')
    out.write(f'const char {symbol}[] = {{\n')
    for i in range(0, len(data), 16):
        out.write('  ' + ', '.join(f'0x{b:02x}' for b in data[i:i + 16]) + ',\n')
    out.write('  0x00\n};\n')
    out.write(f'const size_t {symbol}_len = {len(data)};\n')
