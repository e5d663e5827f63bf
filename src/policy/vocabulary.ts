/** The closed vocabularies of the contract. */
export const SECTIONS = ['demographics', 'immunisations', 'screening', 'health-visiting', 'school-nursing', 'safeguarding', 'confidential'] as const;
export type Section = (typeof SECTIONS)[number];

export const PURPOSES = ['TREAT', 'ETREAT', 'BTG', 'PUBHLTH', 'HOPERAT', 'HLEGAL'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const AREAS = ['oxfordshire', 'buckinghamshire', 'berkshire', 'gloucestershire', 'swindon', 'banes'] as const;
export const TEAM_KINDS = ['health-visiting', 'school-nursing', 'immunisation', 'safeguarding', 'child-health-records', 'paediatrics', 'emergency'] as const;
export const RELATIONSHIP_TYPES = ['caseload', 'gp-registration', 'school-enrolment', 'referral', 'episode-of-care', 'self-claimed', 'handover'] as const;
export const ORG_KINDS = ['gp-practice', 'trust', 'local-authority', 'school', 'other'] as const;

/** Coarse deny reasons shown to callers. They never reveal whether a child exists or is shielded. */
export type CoarseReason = 'NO_LEGITIMATE_RELATIONSHIP' | 'ROLE_NOT_PERMITTED' | 'PURPOSE_NOT_PERMITTED' | 'NOT_PERMITTED';
