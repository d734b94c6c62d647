// Every TypeORM entity, for the DataSource.
import { AuthState } from '../auth/AuthState';
import { Client } from '../auth/Client';
import { Role } from '../auth/Role';

export const entities = [Client, Role, AuthState];
