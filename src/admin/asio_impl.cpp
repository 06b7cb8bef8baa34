// Boost.Asio is compiled once, here (BOOST_ASIO_SEPARATE_COMPILATION is set on osteon_admin).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
