/** The six areas of the shared record: their local authorities, NHS providers, GP code prefixes and towns. */

export interface OrgRef {
  code: string;
  name: string;
}

export interface AreaDef {
  code: string;
  /** Used in team ids: HV-OX-03. */
  short: string;
  name: string;
  /** Approximate share of the 0-19 population of the six areas. */
  share: number;
  /** Three-character ODS-style prefix for GP practice codes (a letter and five digits). */
  gpPrefix: string;
  localAuthorities: OrgRef[];
  /** Provider of health visiting, school nursing, immunisation and child health records. */
  community: OrgRef & { kind: 'trust' | 'other' };
  /** Hospital trusts (paediatrics, emergency departments). */
  acute: OrgRef[];
  towns: string[];
}

export const AREAS: readonly AreaDef[] = [
  {
    code: 'oxfordshire', short: 'OX', name: 'Oxfordshire', share: 0.21, gpPrefix: 'K84',
    localAuthorities: [{ code: 'E10000025', name: 'Oxfordshire County Council' }],
    community: { code: 'RNU', name: 'Oxford Health NHS Foundation Trust', kind: 'trust' },
    acute: [{ code: 'RTH', name: 'Oxford University Hospitals NHS Foundation Trust' }],
    towns: ['Banbury', 'Oxford', 'Bicester', 'Witney', 'Abingdon', 'Didcot', 'Wantage', 'Thame', 'Henley-on-Thames',
      'Kidlington', 'Carterton', 'Chipping Norton', 'Wallingford', 'Faringdon'],
  },
  {
    code: 'buckinghamshire', short: 'BU', name: 'Buckinghamshire', share: 0.17, gpPrefix: 'K82',
    localAuthorities: [{ code: 'E06000060', name: 'Buckinghamshire Council' }],
    community: { code: 'RXQ', name: 'Buckinghamshire Healthcare NHS Trust', kind: 'trust' },
    acute: [{ code: 'RXQ', name: 'Buckinghamshire Healthcare NHS Trust' }],
    towns: ['Aylesbury', 'High Wycombe', 'Amersham', 'Chesham', 'Beaconsfield', 'Marlow', 'Buckingham',
      'Princes Risborough', 'Gerrards Cross', 'Winslow', 'Wendover', 'Burnham'],
  },
  {
    code: 'berkshire', short: 'BE', name: 'Berkshire', share: 0.29, gpPrefix: 'K81',
    localAuthorities: [
      { code: 'E06000036', name: 'Bracknell Forest Council' },
      { code: 'E06000038', name: 'Reading Borough Council' },
      { code: 'E06000039', name: 'Slough Borough Council' },
      { code: 'E06000037', name: 'West Berkshire Council' },
      { code: 'E06000040', name: 'Royal Borough of Windsor and Maidenhead' },
      { code: 'E06000041', name: 'Wokingham Borough Council' },
    ],
    community: { code: 'RWX', name: 'Berkshire Healthcare NHS Foundation Trust', kind: 'trust' },
    acute: [
      { code: 'RHW', name: 'Royal Berkshire NHS Foundation Trust' },
      { code: 'RDU', name: 'Frimley Health NHS Foundation Trust' },
    ],
    towns: ['Reading', 'Slough', 'Bracknell', 'Newbury', 'Maidenhead', 'Windsor', 'Wokingham', 'Thatcham',
      'Crowthorne', 'Sandhurst', 'Hungerford', 'Twyford', 'Tilehurst', 'Woodley', 'Langley'],
  },
  {
    code: 'gloucestershire', short: 'GL', name: 'Gloucestershire', share: 0.19, gpPrefix: 'L84',
    localAuthorities: [{ code: 'E10000013', name: 'Gloucestershire County Council' }],
    community: { code: 'RTQ', name: 'Gloucestershire Health and Care NHS Foundation Trust', kind: 'trust' },
    acute: [{ code: 'RTE', name: 'Gloucestershire Hospitals NHS Foundation Trust' }],
    towns: ['Gloucester', 'Cheltenham', 'Stroud', 'Tewkesbury', 'Cirencester', 'Cinderford', 'Coleford', 'Lydney',
      'Dursley', 'Stonehouse', 'Tetbury', 'Moreton-in-Marsh', 'Bishops Cleeve'],
  },
  {
    code: 'swindon', short: 'SW', name: 'Swindon', share: 0.075, gpPrefix: 'J83',
    localAuthorities: [{ code: 'E06000030', name: 'Swindon Borough Council' }],
    community: { code: 'RN3', name: 'Great Western Hospitals NHS Foundation Trust', kind: 'trust' },
    acute: [{ code: 'RN3', name: 'Great Western Hospitals NHS Foundation Trust' }],
    towns: ['Swindon Central', 'Highworth', 'Wroughton', 'Stratton', 'Haydon Wick', 'Penhill', 'Old Town', 'Covingham',
      'Wichelstowe', 'Priory Vale'],
  },
  {
    code: 'banes', short: 'BA', name: 'Bath and North East Somerset', share: 0.065, gpPrefix: 'L81',
    localAuthorities: [{ code: 'E06000022', name: 'Bath and North East Somerset Council' }],
    community: { code: 'NLX', name: 'HCRG Care Group (Bath and North East Somerset)', kind: 'other' },
    acute: [{ code: 'RD1', name: 'Royal United Hospitals Bath NHS Foundation Trust' }],
    towns: ['Bath', 'Keynsham', 'Midsomer Norton', 'Radstock', 'Paulton', 'Peasedown St John', 'Chew Magna',
      'Saltford', 'Timsbury', 'Combe Down'],
  },
];

export const TEAM_KINDS = [
  'health-visiting', 'school-nursing', 'immunisation', 'safeguarding', 'child-health-records', 'paediatrics', 'emergency',
] as const;
export type TeamKind = (typeof TEAM_KINDS)[number];

/** Team id prefix, display name, and how many children one team of the kind serves (at least one per area). */
export const TEAM_SPECS: Record<TeamKind, { prefix: string; label: string; childrenPerTeam: number }> = {
  'health-visiting': { prefix: 'HV', label: 'Health Visiting', childrenPerTeam: 8_000 },
  'school-nursing': { prefix: 'SN', label: 'School Nursing', childrenPerTeam: 10_000 },
  immunisation: { prefix: 'IMM', label: 'School Age Immunisation', childrenPerTeam: 40_000 },
  safeguarding: { prefix: 'SG', label: 'Safeguarding Children', childrenPerTeam: 25_000 },
  'child-health-records': { prefix: 'CHR', label: 'Child Health Records', childrenPerTeam: 50_000 },
  paediatrics: { prefix: 'PAED', label: 'Paediatrics', childrenPerTeam: 30_000 },
  emergency: { prefix: 'ED', label: 'Children\'s Emergency Department', childrenPerTeam: 40_000 },
};

/** About 450 practices and 1,500 schools for 800,000 children. */
export const CHILDREN_PER_PRACTICE = 1_780;
export const CHILDREN_PER_SCHOOL = 533;
export const SECONDARY_SCHOOL_SHARE = 0.18;
