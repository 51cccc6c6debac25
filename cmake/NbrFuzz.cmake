# nbr_add_fuzzer(<name> SOURCES <files...> [INCLUDES <dirs...>] [SECONDS <n>])
#
# Builds a libFuzzer target with clang-14 (the main build may use gcc, and
# libFuzzer needs clang), with AddressSanitizer and UBSan, and registers a
# ctest test (label "unit") that fuzzes it for a few seconds starting from
# the seed corpus in <current source dir>/corpus/<name> when that exists.
# Crashes and leaks fail the test; the reproducer lands in the build dir.
find_program(NBR_CLANG clang-14)
find_program(NBR_CLANGXX clang++-14)
set(NBR_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzzer runs in make check")

function(nbr_add_fuzzer name)
    cmake_parse_arguments(F "" "SECONDS" "SOURCES;INCLUDES" ${ARGN})
    if(NOT NBR_CLANG OR NOT NBR_CLANGXX)
        message(WARNING "clang-14 not found: fuzzer ${name} is not built (run 'make deps')")
        return()
    endif()
    if(NOT F_SECONDS)
        set(F_SECONDS ${NBR_FUZZ_SECONDS})
    endif()
    file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${name}.dir)
    set(flags -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
    set(objs)
    foreach(src IN LISTS F_SOURCES)
        get_filename_component(abs ${src} ABSOLUTE)
        get_filename_component(base ${src} NAME)
        set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.dir/${base}.o)
        if(abs MATCHES "\\.c$")
            set(cc ${NBR_CLANG} -std=gnu11)
        else()
            set(cc ${NBR_CLANGXX} -std=c++20)
        endif()
        set(incs)
        foreach(dir IN LISTS F_INCLUDES)
            list(APPEND incs -I${dir})
        endforeach()
        add_custom_command(
            OUTPUT ${obj}
            COMMAND ${cc} ${flags} ${incs} -MD -MF ${obj}.d -c ${abs} -o ${obj}
            DEPENDS ${abs}
            DEPFILE ${obj}.d
            COMMENT "Fuzzer object ${base}")
        list(APPEND objs ${obj})
    endforeach()
    set(bin ${CMAKE_CURRENT_BINARY_DIR}/${name})
    add_custom_command(OUTPUT ${bin}
        COMMAND ${NBR_CLANGXX} ${flags} ${objs} -o ${bin}
        DEPENDS ${objs}
        COMMENT "Linking fuzzer ${name}")
    add_custom_target(${name} ALL DEPENDS ${bin})

    set(corpus ${CMAKE_CURRENT_BINARY_DIR}/${name}.corpus)
    set(seeds)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name})
        set(seeds ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name})
    endif()
    add_test(NAME fuzz.${name}
        COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
            sh -c "mkdir -p '${corpus}' && exec '${bin}' -max_total_time=${F_SECONDS} -timeout=5 -rss_limit_mb=1024 -artifact_prefix='${CMAKE_CURRENT_BINARY_DIR}/${name}-' '${corpus}' ${seeds}"
    )
    set_tests_properties(fuzz.${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()
