/** A policy with five mistakes, one per field, that the loader and the app's start-up both refuse. */
export const MISTAKEN_POLICY = `
  - name: Nightly Done
    schedule: "0 3 * *"
    flags: --status DONE --force
    channel: ops
    approval: auto
`;
