/**
 * Backend-neutral implementation pieces (Count-Min hashing, the heavy-hitter set, the ownership tree)
 * shared by the CPU backend and, later, the CUDA backend's host side. Not API.
 */
package dev.hyperrec.operators.internal;
