/** The facts a decision is made on, gathered in one store round trip (see src/facts/). */

export interface ChildFacts {
  nhsNumber: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  area: string;
  sealed: boolean;
  restricted: boolean;
  labels: Record<string, string[]>;
  consentWithheld: string[];
}

export interface RelationshipFact {
  id: string;
  subject: string;
  type: string;
  validFrom: Date;
  validTo: Date | null;
}

export interface GrantFact {
  id: string;
  grantee: string;
  sections: string[];
  purpose: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface BreakGlassFact {
  id: string;
  userId: string;
  child: string;
  startedAt: Date;
  expiresAt: Date;
}

export interface Facts {
  /** Undefined when the NHS number is unknown. */
  child?: ChildFacts;
  relationships: RelationshipFact[];
  grants: GrantFact[];
  breakGlass: BreakGlassFact[];
}
