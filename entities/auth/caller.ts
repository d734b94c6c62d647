/** Who is making a request, and what they may do: scopes are already expanded and normalized. */
export interface Caller {
  /** undefined for a caller without credentials (who still holds `assume:anonymous`). */
  readonly clientId: string | undefined;
  readonly scopes: readonly string[];
  /** Temporary credentials cannot issue further temporary credentials. */
  readonly temporary: boolean;
}
