#!/usr/bin/env node
// Runs the TypeScript source through tsx, so the checkout needs no build step (README, "Quick start").
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
