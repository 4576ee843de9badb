// The error every load-plan check throws: what is wrong, and the key or ELF field it is about.
export class PlanError extends Error {
  /** The metadata key, config field, ELF field or check this error is about. */
  readonly key: string;
  /** For an error about an ELF field: that field's file offset (also named in the message). */
  readonly offset?: number;
  constructor(key: string, message: string, offset?: number) {
    super(message);
    this.name = 'PlanError';
    this.key = key;
    if (offset !== undefined) this.offset = offset;
  }
}
