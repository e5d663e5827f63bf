/** The closed vocabularies of the contract. */
export const SECTIONS = ['demographics', 'immunisations', 'screening', 'health-visiting', 'school-nursing', 'safeguarding', 'confidential'] as const;
export type Section = (typeof SECTIONS)[number];

export const PURPOSES = ['TREAT', 'ETREAT', 'BTG', 'PUBHLTH', 'HOPERAT', 'HLEGAL'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const AREAS = ['oxfordshire', 'buckinghamshire', 'berkshire', 'gloucestershire', 'swindon', 'banes'] as const;
export const TEAM_KINDS = ['health-visiting', 'school-nursing', 'immunisation', 'safeguarding', 'child-health-records', 'paediatrics', 'emergency'] as const;
export const RELATIONSHIP_TYPES = ['caseload', 'gp-registration', 'school-enrolment', 'referral', 'episode-of-care', 'self-claimed', 'handover'] as const;
/** Relationship types in words, for answers a person reads ("Banbury Health Visiting, caseload until ..."). */
export const RELATIONSHIP_WORDS: Record<(typeof RELATIONSHIP_TYPES)[number], string> = {
  caseload: 'caseload',
  'gp-registration': 'GP registration',
  'school-enrolment': 'school enrolment',
  referral: 'referral',
  'episode-of-care': 'episode of care',
  'self-claimed': 'self-declared relationship',
  handover: 'handover after a move of area',
};
export const ORG_KINDS = ['gp-practice', 'trust', 'local-authority', 'school', 'other'] as const;

/** Coarse deny reasons shown to callers. They never reveal whether a child exists or is shielded. */
export type CoarseReason = 'NO_LEGITIMATE_RELATIONSHIP' | 'ROLE_NOT_PERMITTED' | 'PURPOSE_NOT_PERMITTED' | 'NOT_PERMITTED';

/**
 * What a person is told for each coarse deny reason. Each says only what the coarse reason already
 * says: an unknown child, a sealed record and a child with no relationship read the same.
 */
export const DENY_MESSAGES: Record<CoarseReason, string> = {
  NO_LEGITIMATE_RELATIONSHIP: 'You have no recorded care relationship that gives access to this part of the record. If you are caring for this child, ask for the relationship to be recorded; in an emergency you can break the glass.',
  ROLE_NOT_PERMITTED: 'Your role does not give access to this part of the record.',
  PURPOSE_NOT_PERMITTED: 'Access to this part of the record is not open for the purpose you gave.',
  NOT_PERMITTED: 'Access to this part of the record is not permitted.',
};
