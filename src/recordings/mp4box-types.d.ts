/**
 * mp4box publishes its types through package.json "exports", which this
 * project's moduleResolution ("node") does not read; this points the bare
 * import at the CommonJS build's declarations, which is what runs.
 */
declare module 'mp4box' {
  export * from 'mp4box/dist/mp4box.all.cjs';
}
