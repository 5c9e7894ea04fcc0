// `npm run bench`: runs every benchmark, prints markdown tables (pasted into docs/perf.md with the date
// and machine) and writes .bench-out/results.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchCompile, benchLoweredCompile, compileTable, loweredCompileTable } from './compile.js';
import { benchQuantize, quantizeTable } from './quantize.js';
import { benchRefMatmul } from './ref-matmul.js';
import { ms } from './stats.js';

const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
console.log(`# onnx-fp8 benchmarks — ${new Date().toISOString().slice(0, 10)} — ${machine}\n`);

const compile = benchCompile();
console.log('## Parse + compile (load, import, pipeline), 20 runs after 3 warm-ups\n');
console.log(compileTable(compile) + '\n');

const lowered = benchLoweredCompile();
console.log('## Compile to kernels (--fp8: import, quantize, fuse, lower, plan memory), calibration excluded, median\n');
console.log(loweredCompileTable(lowered) + '\n');

const matmul = [benchRefMatmul(512), benchRefMatmul(1024)];
console.log('## Reference interpreter matmul (float32, packing included), median of 5\n');
console.log('| n | median ms | GFLOP/s |\n|---:|---:|---:|');
for (const m of matmul) console.log(`| ${m.n} | ${ms(m.timing.medianMs)} | ${m.gflops.toFixed(2)} |`);

const quantize = benchQuantize();
console.log('\n## FP8 calibration + quantization (the --fp8 passes after import), median\n');
console.log(quantizeTable(quantize.rows) + '\n');

mkdirSync('.bench-out', { recursive: true });
writeFileSync('.bench-out/results.json', JSON.stringify({ machine, date: new Date().toISOString(), compile, lowered, matmul, quantize }, null, 2));
