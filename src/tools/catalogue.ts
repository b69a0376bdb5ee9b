import { bridgeFunctions } from './bridge.js';
import { councilFunctions } from './council.js';
import type { FunctionDeclaration } from './declaration.js';
import { directiveFunctions } from './directive.js';
import { hierarchyFunctions } from './hierarchy.js';
import { ledgerFunctions } from './ledger.js';
import { missionFunctions } from './mission.js';
import { pulseFunctions } from './pulse.js';
import { realmFunctions } from './realm.js';

/** Every function this build serves, in catalogue order. */
export const catalogue: FunctionDeclaration[] = [
  ...realmFunctions,
  ...hierarchyFunctions,
  ...directiveFunctions,
  ...missionFunctions,
  ...ledgerFunctions,
  ...councilFunctions,
  ...pulseFunctions,
  ...bridgeFunctions,
];
