/*
 * CPU locality for io.locus.nativeio.Affinity: pin the calling thread, read its CPU, NUMA node and affinity mask.
 *
 * Masks cross JNI as long[] in java.util.BitSet.toLongArray() layout: CPU n is bit (n % 64) of word (n / 64).
 * Only the kernel calls live here; validation and policy stay in Java.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <jni.h>
#include "io_locus_nativeio_Affinity.h"

/* Largest mask we ask the kernel for; far above any CONFIG_NR_CPUS in use. */
#define MAX_CPUS (1 << 16)

static void throw_errno(JNIEnv *env, const char *call, int err) {
    char message[160];
    snprintf(message, sizeof message, "%s failed: %s (errno %d)", call, strerror(err), err);
    jclass type = (*env)->FindClass(env, "java/lang/IllegalStateException");
    if (type != NULL) {
        (*env)->ThrowNew(env, type, message);
    }
}

/*
 * Sets the mask of thread tid (0: the calling thread). Returns false when the kernel finds no usable CPU in the mask
 * (EINVAL: offline, absent or outside our cpuset) or the thread is gone (ESRCH).
 */
JNIEXPORT jboolean JNICALL Java_io_locus_nativeio_Affinity_setAffinity0(JNIEnv *env, jclass cls, jint tid,
                                                                        jlongArray mask) {
    (void) cls;
    jsize words = (*env)->GetArrayLength(env, mask);
    int cpus = words * 64;
    if (cpus <= 0 || cpus > MAX_CPUS) {
        return JNI_FALSE;
    }
    jlong *bits = malloc(sizeof(jlong) * words);
    cpu_set_t *set = CPU_ALLOC(cpus);
    size_t size = CPU_ALLOC_SIZE(cpus);
    if (bits == NULL || set == NULL) {
        free(bits);
        CPU_FREE(set);
        throw_errno(env, "malloc", ENOMEM);
        return JNI_FALSE;
    }
    (*env)->GetLongArrayRegion(env, mask, 0, words, bits);
    CPU_ZERO_S(size, set);
    for (int cpu = 0; cpu < cpus; cpu++) {
        if (((uint64_t) bits[cpu / 64] >> (cpu % 64)) & 1) {
            CPU_SET_S(cpu, size, set);
        }
    }
    /* pid 0 is the calling thread, not the whole process; any other id is one thread (task) too */
    int err = sched_setaffinity((pid_t) tid, size, set) == 0 ? 0 : errno;
    free(bits);
    CPU_FREE(set);
    if (err != 0 && err != EINVAL && err != ESRCH) {
        throw_errno(env, "sched_setaffinity", err);
    }
    return err == 0 ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_Affinity_currentCpu0(JNIEnv *env, jclass cls) {
    (void) cls;
    int cpu = sched_getcpu();
    if (cpu < 0) {
        throw_errno(env, "sched_getcpu", errno);
    }
    return cpu;
}

JNIEXPORT jint JNICALL Java_io_locus_nativeio_Affinity_currentNode0(JNIEnv *env, jclass cls) {
    (void) cls;
    unsigned int cpu;
    unsigned int node;
    if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0) {
        throw_errno(env, "getcpu", errno);
        return -1;
    }
    return (jint) node;
}

JNIEXPORT jlongArray JNICALL Java_io_locus_nativeio_Affinity_affinity0(JNIEnv *env, jclass cls) {
    (void) cls;
    /* the kernel answers EINVAL while our mask is smaller than its own; grow until it fits */
    for (int cpus = 1024; cpus <= MAX_CPUS; cpus *= 2) {
        cpu_set_t *set = CPU_ALLOC(cpus);
        size_t size = CPU_ALLOC_SIZE(cpus);
        if (set == NULL) {
            throw_errno(env, "malloc", ENOMEM);
            return NULL;
        }
        if (sched_getaffinity(0, size, set) != 0) {
            int err = errno;
            CPU_FREE(set);
            if (err == EINVAL) {
                continue;
            }
            throw_errno(env, "sched_getaffinity", err);
            return NULL;
        }
        jsize words = cpus / 64;
        jlong *bits = calloc(words, sizeof(jlong));
        jlongArray result = bits == NULL ? NULL : (*env)->NewLongArray(env, words);
        if (result != NULL) {
            for (int cpu = 0; cpu < cpus; cpu++) {
                if (CPU_ISSET_S(cpu, size, set)) {
                    bits[cpu / 64] |= (jlong) ((uint64_t) 1 << (cpu % 64));
                }
            }
            (*env)->SetLongArrayRegion(env, result, 0, words, bits);
        } else if (bits == NULL) {
            throw_errno(env, "malloc", ENOMEM);
        }
        free(bits);
        CPU_FREE(set);
        return result;
    }
    throw_errno(env, "sched_getaffinity", EINVAL);
    return NULL;
}
