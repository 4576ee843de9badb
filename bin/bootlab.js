#!/usr/bin/env node
// Entry for `npx bootlab` and `npm install -g bootlab`: runs the bundled CLI.
import '../out/cli.js';
