#!/usr/bin/env node
// Runs the TypeScript source through tsx, so the checkout needs no build step (README, "Why tsx").
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
