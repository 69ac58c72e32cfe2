/** What the router runs: a page renders into its element and says whether anything on it is still moving. */
export interface Page {
  title: string;
  /** Fetches and re-renders; resolves true while something shown is active (the router polls again). */
  load(): Promise<boolean>;
}

export type Query = URLSearchParams;
